"""A user's own RGB-D data: a split file or paired rgb/ and depth/ folders."""
from depth.registry import DATASETS
from .base_depth_dataset import BaseDepthDataset


@DATASETS.register_module()
class CustomDepthDataset(BaseDepthDataset):
    """A dataset of one's own.

    Two layouts:

    * **folders** (``ann_file=''``): ``<data_root>/rgb/**/<name>.<jpg|png>``
      and ``<data_root>/depth/**/<name>.png``, paired by relative path
      without extension (``rgb/a/0001.jpg`` <-> ``depth/a/0001.png``); an
      unpaired file raises a ``ValueError`` listing it;
    * **split file**: ``ann_file`` with lines ``<rgb> <depth | None>
      [<focal>]`` relative to ``data_prefix``.

    Depth maps are single-channel uint16 PNGs holding ``metres *
    depth_scale``; 0 means invalid.

    Args:
        ann_file (str): Split file, or ``''`` (default) to pair folders.
        data_root (str): Root folder.
        data_prefix (dict): Defaults to
            ``dict(img_path='rgb', depth_map_path='depth')``.
        depth_scale (float): Stored value / depth_scale = metres. Defaults
            to 1000 (millimetres).
        min_depth_eval (float): Defaults to 1e-3.
        max_depth_eval (float): Defaults to 10.
        crop_type (str, optional): Evaluation crop; defaults to none.
        **kwargs: See :class:`BaseDepthDataset`.

    ``METAINFO`` is the base class's (depth scale 1000, range (1e-3, 10),
    no crop).
    """

    def __init__(self,
                 ann_file: str = '',
                 data_root: str = '',
                 data_prefix: dict = dict(
                     img_path='rgb', depth_map_path='depth'),
                 **kwargs) -> None:
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            **kwargs)
