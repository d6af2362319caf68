"""The last step of every converter: strict load into the config's model,
then save."""
import os.path as osp
from typing import Dict, Optional

from torch import Tensor

from .release_io import REPO_ROOT, save_converted
from .strict_load import check_strict_load


def save_checked(converted: Dict[str, Tensor],
                 config: str,
                 src: str,
                 dst: str,
                 converter: str,
                 extra_meta: Optional[dict] = None) -> None:
    """Build the model of ``config`` (pretrained weights off), load
    ``converted`` into it strictly, and only then write ``dst``.

    Args:
        converted (dict[str, Tensor]): Converted tensors.
        config (str): Our config of the model.
        src (str): The released file (for messages and the meta).
        dst (str): Output path.
        converter (str): The converter's name, stored in the meta.
        extra_meta (dict, optional): More plain data for the meta.

    Raises:
        RuntimeError: Listing missing, unexpected and mis-shaped keys.
    """
    from depth.apis import init_model  # apis builds models: import late
    model = init_model(config, None, device='cpu')
    check_strict_load(model, converted, source=src)
    rel = osp.relpath(config, REPO_ROOT) if osp.isabs(config) else config
    meta = dict(
        converted_from=osp.basename(src), converter=converter, config=rel)
    meta.update(extra_meta or {})
    save_converted(converted, dst, meta=meta)
