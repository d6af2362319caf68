"""NYU-Depth-v2 with scene-class labels (BinsFormer's auxiliary task)."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmengine.logging import print_log

from depth.registry import DATASETS
from .nyu_dataset import NYUDataset


def scene_type(img_path: str) -> str:
    """Scene type of an NYU image: its folder name up to the first ``_``
    (``.../kitchen_0028b/rgb_00045.jpg`` -> ``kitchen``)."""
    return osp.basename(osp.dirname(img_path)).split('_')[0]


@DATASETS.register_module()
class NYUSceneDataset(NYUDataset):
    """:class:`NYUDataset` whose samples also carry ``class_label``, the
    index of their scene type (``bedroom``, ``kitchen``, ...: the image
    folder name up to the first ``_``), for BinsFormer's scene
    classification query.

    With ``scene_classes=None`` the indices are assigned in the order in
    which the types first appear in the split file (among lines with
    depth), as the original toolbox's ``NYUBinFormerDataset`` does, so a
    model trained there and here sees the same labels. The mapping is
    logged and kept in :attr:`scene_classes`. Put ``'class_label'`` into
    ``PackDepthInputs``' ``meta_keys`` to pass it to the model.

    Args:
        scene_classes (Sequence[str], optional): Fixed class names (index =
            position); a scene type not in it is an error.
        **kwargs: See :class:`NYUDataset`.
    """

    def __init__(self,
                 scene_classes: Optional[Sequence[str]] = None,
                 **kwargs) -> None:
        self._fixed_classes = list(scene_classes) \
            if scene_classes is not None else None
        self.scene_classes: List[str] = []
        super().__init__(**kwargs)

    def _parse_split_file(self, ann_file: str) -> List[dict]:
        raw_infos = super()._parse_split_file(ann_file)
        if self._fixed_classes is not None:
            self.scene_classes = list(self._fixed_classes)
        else:
            seen: Dict[str, int] = {}
            for raw in raw_infos:
                if raw['depth_map_path'] is None:
                    continue
                seen.setdefault(scene_type(raw['img_path']), len(seen))
            self.scene_classes = list(seen)
            print_log(
                f'NYUSceneDataset: {len(seen)} scene classes from {ann_file}:'
                f' {self.scene_classes}',
                logger='current')
        return raw_infos

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Add ``class_label`` (int) to the NYU data info."""
        info = super().parse_data_info(raw_data_info)
        name = scene_type(raw_data_info['img_path'])
        if name not in self.scene_classes:
            raise KeyError(
                f'NYUSceneDataset: scene type {name!r} of '
                f"{raw_data_info.get('source', raw_data_info['img_path'])} "
                f'is not in scene_classes {self.scene_classes}')
        info['class_label'] = self.scene_classes.index(name)
        return info
