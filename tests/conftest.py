"""Test-suite wide fixtures: no network, clean mmengine globals."""
import ipaddress
import socket

import pytest


def _is_local(address) -> bool:
    if not isinstance(address, tuple):  # unix socket path
        return True
    host = address[0]
    if host in ('localhost', ''):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to reach a non-loopback address or download weights
    fails loudly."""
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        if not _is_local(address):
            raise RuntimeError(f'test tried to reach the network: {address}')
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, 'connect', guarded_connect)

    def no_download(*args, **kwargs):
        raise RuntimeError('test tried to download weights')

    import torch.hub
    monkeypatch.setattr(torch.hub, 'load_state_dict_from_url', no_download)
    monkeypatch.setattr(torch.hub, 'download_url_to_file', no_download)
    yield


@pytest.fixture(autouse=True)
def depth_scope():
    """Every test runs in the ``depth`` default scope and leaves no
    message-hub state behind."""
    from mmengine.logging import MessageHub
    from mmengine.registry import DefaultScope, init_default_scope
    init_default_scope('depth')
    MessageHub.get_current_instance().update_info('iter', 0)
    yield
    MessageHub.get_current_instance().update_info('iter', 0)
    DefaultScope._instance_dict.clear()
