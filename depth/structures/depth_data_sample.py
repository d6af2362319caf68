"""The data sample of one image: ground truth and predicted depth."""
from mmengine.structures import BaseDataElement, PixelData


class DepthDataSample(BaseDataElement):
    """Data structure of one image's depth annotation and prediction.

    Fields:
        - ``gt_depth_map`` (PixelData): ground truth, ``data`` of shape
          ``(1, H, W)``, float32 metres, 0 where invalid.
        - ``pred_depth_map`` (PixelData): prediction, ``(1, H, W)`` metres at
          the original image size.
        - Optional plain fields set by some heads, e.g. ``pred_bin_centers``
          ``(K,)`` for bins/attractor heads.

    Meta keys (set by ``PackDepthInputs``): ``img_path``, ``depth_map_path``,
    ``ori_shape``, ``img_shape``, ``pad_shape``, ``padding_size``, ``flip``,
    ``flip_direction``, ``focal``, ``cam_intrinsic``, ``depth_scale``.

    Examples:
        >>> import torch
        >>> from mmengine.structures import PixelData
        >>> sample = DepthDataSample(metainfo=dict(img_shape=(4, 5)))
        >>> sample.gt_depth_map = PixelData(data=torch.ones(1, 4, 5))
        >>> tuple(sample.gt_depth_map.shape)
        (4, 5)
    """

    @property
    def gt_depth_map(self) -> PixelData:
        return self._gt_depth_map

    @gt_depth_map.setter
    def gt_depth_map(self, value: PixelData) -> None:
        self.set_field(value, '_gt_depth_map', dtype=PixelData)

    @gt_depth_map.deleter
    def gt_depth_map(self) -> None:
        del self._gt_depth_map

    @property
    def pred_depth_map(self) -> PixelData:
        return self._pred_depth_map

    @pred_depth_map.setter
    def pred_depth_map(self, value: PixelData) -> None:
        self.set_field(value, '_pred_depth_map', dtype=PixelData)

    @pred_depth_map.deleter
    def pred_depth_map(self) -> None:
        del self._pred_depth_map
