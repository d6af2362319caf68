"""Base class of every depth dataset: split-file parsing and folder pairing."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine import fileio
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from depth.evaluation.functional import eval_settings
from depth.registry import DATASETS

# Meta keys a dataset copies into every sample, so that ``PackDepthInputs``
# can put them on the data sample's metainfo.
Suffixes = Union[str, Tuple[str, ...]]


def _as_tuple(suffix: Suffixes) -> Tuple[str, ...]:
    return (suffix, ) if isinstance(suffix, str) else tuple(suffix)


@DATASETS.register_module()
class BaseDepthDataset(BaseDataset):
    """Base dataset for supervised monocular depth estimation.

    Samples come either from a split file (``ann_file``) in the format of
    the original Monocular-Depth-Estimation-Toolbox, one sample per line::

        <rgb path> <depth path | None> [<focal>]

    or, without ``ann_file``, from pairing the files found under
    ``data_prefix['img_path']`` and ``data_prefix['depth_map_path']`` by
    their relative path without extension (``rgb/a/0001.jpg`` pairs with
    ``depth/a/0001.png``).

    Paths in a split file are relative to ``data_prefix['img_path']`` and
    ``data_prefix['depth_map_path']``, which are themselves relative to
    ``data_root``; a leading ``/`` on a path in the file is stripped. A
    line may have 1 column (image only, no ground truth, e.g. the KITTI
    benchmark test list), 2 columns or 3 columns (with the focal length in
    pixels). A depth column ``None`` means the frame has no ground truth.

    Frames without ground truth:

    * in training (``test_mode=False``) they are always dropped and the
      count is logged;
    * in test mode they are kept (with ``depth_map_path=None``) only when
      ``allow_missing_depth=True`` (GT-less testing, e.g. ``format_only``
      on the KITTI benchmark test set); otherwise they are dropped and
      counted, as the original toolbox does (652 of the 697 KITTI Eigen test
      lines are evaluated).

    Entries are sorted by image path. Files are not touched at construction
    (the loading transforms raise a ``FileNotFoundError`` naming a missing
    file); ``check_files=True`` checks every file up front instead.

    Each data info holds ``img_path``, ``depth_map_path`` (``None`` when
    absent), ``focal`` (float or ``None``), ``depth_scale``,
    ``depth_fields=[]`` and whatever :meth:`parse_data_info` of a subclass adds
    (e.g. ``cam_intrinsic``).

    ``METAINFO`` (and so ``dataset_meta`` for the metric) carries
    ``depth_scale`` (stored value / depth_scale = metres),
    ``min_depth_eval`` and ``max_depth_eval`` (the range of ground-truth
    depths the metric evaluates) and ``crop_type``
    (``None``, ``'nyu_eigen'``, ``'kitti_garg'``, ``'kitti_eigen'``). The
    dataset is the one home of the evaluation range and crop: the metric,
    the visualizer and the analysis tools read them from its metainfo
    (the samples do not carry copies), and a config changes them here,
    e.g. ``dict(type='KITTIDataset', max_depth_eval=50.)``.

    Args:
        ann_file (str): Split file, relative to ``data_root`` unless
            absolute. Empty string: pair the files of the two folders.
        metainfo (dict, optional): Overrides of ``METAINFO``.
        data_root (str): Root of the dataset.
        data_prefix (dict): ``img_path`` and ``depth_map_path`` folders,
            relative to ``data_root`` unless absolute.
        depth_scale (float, optional): Overrides ``METAINFO['depth_scale']``.
        min_depth_eval (float, optional): Overrides the metainfo value.
        max_depth_eval (float, optional): Overrides the metainfo value.
        crop_type (str, optional): Overrides the metainfo value. To switch
            the crop off, pass ``metainfo=dict(crop_type=None)``.
        allow_missing_depth (bool): In test mode, keep frames without ground
            truth. Defaults to False.
        check_files (bool): Check at construction that every image and
            depth file exists. Defaults to False (checked lazily on load).
        img_suffix (str | tuple[str]): Image suffixes used when pairing
            folders. Defaults to ``('.jpg', '.jpeg', '.png')``.
        depth_suffix (str | tuple[str]): Depth suffixes used when pairing
            folders. Defaults to ``'.png'``.
        backend_args (dict, optional): mmengine file backend arguments.
        **kwargs: Remaining :class:`mmengine.dataset.BaseDataset` arguments
            (``pipeline``, ``test_mode``, ``lazy_init``, ``indices``, ...).
    """

    METAINFO: dict = dict(
        depth_scale=1000.0,
        min_depth_eval=1e-3,
        max_depth_eval=10.0,
        crop_type=None)

    def __init__(self,
                 ann_file: str = '',
                 metainfo: Optional[dict] = None,
                 data_root: str = '',
                 data_prefix: dict = dict(img_path='', depth_map_path=''),
                 depth_scale: Optional[float] = None,
                 min_depth_eval: Optional[float] = None,
                 max_depth_eval: Optional[float] = None,
                 crop_type: Optional[str] = None,
                 allow_missing_depth: bool = False,
                 check_files: bool = False,
                 img_suffix: Suffixes = ('.jpg', '.jpeg', '.png'),
                 depth_suffix: Suffixes = '.png',
                 backend_args: Optional[dict] = None,
                 lazy_init: bool = False,
                 **kwargs) -> None:
        self.allow_missing_depth = allow_missing_depth
        self.check_files = check_files
        self.img_suffix = _as_tuple(img_suffix)
        self.depth_suffix = _as_tuple(depth_suffix)
        self.backend_args = backend_args.copy() if backend_args else None
        data_prefix = dict(data_prefix)
        data_prefix.setdefault('img_path', '')
        data_prefix.setdefault('depth_map_path', '')
        # Build without loading, apply the explicit overrides to the
        # metainfo (mmengine would try to open string metainfo values as
        # files), then load.
        super().__init__(
            ann_file=ann_file,
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=data_prefix,
            lazy_init=True,
            **kwargs)
        overrides = dict(
            depth_scale=depth_scale,
            min_depth_eval=min_depth_eval,
            max_depth_eval=max_depth_eval,
            crop_type=crop_type)
        for key, value in overrides.items():
            if value is not None:
                self._metainfo[key] = value
        self._check_metainfo()
        if not lazy_init:
            self.full_init()

    # ------------------------------------------------------------------
    # metainfo
    # ------------------------------------------------------------------
    def _check_metainfo(self) -> None:
        """Validate the depth-specific metainfo values."""
        meta = self._metainfo
        for key in ('depth_scale', 'min_depth_eval', 'max_depth_eval',
                    'crop_type'):
            if key not in meta:
                raise KeyError(f'{type(self).__name__}: metainfo lacks '
                               f'{key!r}; set it in METAINFO or pass it.')
        scale = meta['depth_scale']
        if not isinstance(scale, (int, float)) or scale <= 0:
            raise ValueError(f'{type(self).__name__}: depth_scale must be a '
                             f'positive number, got {scale!r}.')
        eval_settings(meta, type(self).__name__)

    # ------------------------------------------------------------------
    # loading
    # ------------------------------------------------------------------
    def load_data_list(self) -> List[dict]:
        """Read the split file (or pair the folders) into data infos.

        Returns:
            list[dict]: One data info per kept sample, sorted by image path.
        """
        if self.ann_file:
            raw_infos = self._parse_split_file(self.ann_file)
        else:
            raw_infos = self._pair_folders()

        missing = [r for r in raw_infos if r['depth_map_path'] is None]
        if missing:
            keep = self.test_mode and self.allow_missing_depth
            where = self.ann_file or self.data_prefix['img_path']
            if keep:
                print_log(
                    f'{type(self).__name__}: {len(missing)} of '
                    f'{len(raw_infos)} samples in {where} have no ground '
                    'truth depth; kept (allow_missing_depth=True).',
                    logger='current')
            else:
                raw_infos = [
                    r for r in raw_infos if r['depth_map_path'] is not None
                ]
                reason = ('test mode, allow_missing_depth=False'
                          if self.test_mode else 'training mode')
                print_log(
                    f'{type(self).__name__}: dropped {len(missing)} samples '
                    f'without ground truth depth from {where} ({reason}); '
                    f'{len(raw_infos)} remain.',
                    logger='current')

        if not raw_infos:
            where = self.ann_file or self.data_prefix['img_path']
            what = 'has no sample lines' if not missing else (
                f'has {len(missing)} samples, none with ground truth depth '
                '(the second column is None)')
            raise ValueError(f'{type(self).__name__}: {where} {what}; '
                             'nothing to train or evaluate on')

        raw_infos.sort(key=lambda r: r['img_path'])

        if self.check_files:
            self._check_files_exist(raw_infos)

        data_list = []
        for raw in raw_infos:
            info = self.parse_data_info(raw)
            if isinstance(info, dict):
                data_list.append(info)
            else:
                data_list.extend(info)
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> Union[dict, List[dict]]:
        """Complete one raw sample into a data info.

        Subclasses extend this to add dataset-specific keys (e.g.
        ``cam_intrinsic``); they should call ``super().parse_data_info``.

        Args:
            raw_data_info (dict): ``img_path``, ``depth_map_path``,
                ``focal`` and ``source`` (``'<file>:<line>'`` or the image
                path, for error messages).

        Returns:
            dict: The data info.
        """
        meta = self._metainfo
        info = dict(
            img_path=raw_data_info['img_path'],
            depth_map_path=raw_data_info['depth_map_path'],
            focal=raw_data_info['focal'],
            depth_scale=meta['depth_scale'],
            depth_fields=[])
        return info

    def _parse_split_file(self, ann_file: str) -> List[dict]:
        """Parse a split file.

        Args:
            ann_file (str): Path of the split file.

        Returns:
            list[dict]: Raw infos with ``img_path``, ``depth_map_path``,
            ``focal`` and ``source``.

        Raises:
            FileNotFoundError: If the split file does not exist.
            ValueError: On a malformed line (naming file and line number).
        """
        try:
            text = fileio.get_text(ann_file, backend_args=self.backend_args)
        except FileNotFoundError as e:
            raise FileNotFoundError(
                f'{type(self).__name__}: split file not found: {ann_file}'
            ) from e
        img_root = self.data_prefix.get('img_path', '')
        depth_root = self.data_prefix.get('depth_map_path', '')
        raw_infos = []
        for line_no, line in enumerate(text.splitlines(), start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) > 3:
                raise ValueError(
                    f'{ann_file}:{line_no}: expected "<rgb path> '
                    '[<depth path | None> [<focal>]]" (1 to 3 columns), got '
                    f'{len(fields)} columns: {line.strip()!r}')
            img_rel = fields[0]
            depth_rel = fields[1] if len(fields) > 1 else 'None'
            focal: Optional[float] = None
            if len(fields) == 3 and fields[2] != 'None':
                try:
                    focal = float(fields[2])
                except ValueError:
                    raise ValueError(
                        f'{ann_file}:{line_no}: focal length {fields[2]!r} '
                        'is not a number') from None
            raw_infos.append(
                dict(
                    img_path=self._join(img_root, img_rel),
                    depth_map_path=None if depth_rel == 'None' else self._join(
                        depth_root, depth_rel),
                    focal=focal,
                    source=f'{ann_file}:{line_no}'))
        return raw_infos

    @staticmethod
    def _join(root: str, rel: str) -> str:
        """Join a split-file path to its root, stripping a leading '/'."""
        rel = rel.lstrip('/')
        return fileio.join_path(root, rel) if root else rel

    def _pair_folders(self) -> List[dict]:
        """Pair images and depth maps by relative path without extension.

        Raises:
            FileNotFoundError: If a folder does not exist.
            ValueError: If some files have no partner (listing them).
        """
        img_dir = self.data_prefix.get('img_path', '')
        depth_dir = self.data_prefix.get('depth_map_path', '')
        if not img_dir or not depth_dir or img_dir == depth_dir:
            raise ValueError(
                f'{type(self).__name__}: without ann_file, data_prefix needs '
                'distinct img_path and depth_map_path folders, got '
                f'{self.data_prefix}.')
        imgs = self._list_stems(img_dir, self.img_suffix)
        depths = self._list_stems(depth_dir, self.depth_suffix)
        only_img = sorted(set(imgs) - set(depths))
        only_depth = sorted(set(depths) - set(imgs))
        if only_img or only_depth:

            def show(names: Sequence[str], files: Dict[str, str]) -> str:
                listed = ', '.join(files[n] for n in names[:10])
                more = (f' and {len(names) - 10} more'
                        if len(names) > 10 else '')
                return f'{len(names)} [{listed}{more}]'

            msg = [
                f'{type(self).__name__}: image and depth folders do not '
                'pair up by name (relative path without extension).'
            ]
            if only_img:
                msg.append(f'Images without depth in {img_dir}: '
                           f'{show(only_img, imgs)}.')
            if only_depth:
                msg.append(f'Depth maps without image in {depth_dir}: '
                           f'{show(only_depth, depths)}.')
            raise ValueError(' '.join(msg))
        if not imgs:
            raise ValueError(f'{type(self).__name__}: no images with suffix '
                             f'{self.img_suffix} found in {img_dir}.')
        return [
            dict(
                img_path=fileio.join_path(img_dir, imgs[stem]),
                depth_map_path=fileio.join_path(depth_dir, depths[stem]),
                focal=None,
                source=imgs[stem]) for stem in sorted(imgs)
        ]

    def _list_stems(self, folder: str, suffix: Tuple[str,
                                                     ...]) -> Dict[str, str]:
        """Map ``relative path without extension -> relative path``."""
        if not fileio.isdir(folder, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'{type(self).__name__}: folder not found: {folder}')
        files: Dict[str, str] = {}
        for rel in fileio.list_dir_or_file(
                folder,
                list_dir=False,
                suffix=suffix,
                recursive=True,
                backend_args=self.backend_args):
            stem = osp.splitext(rel)[0]
            if stem in files:
                raise ValueError(
                    f'{type(self).__name__}: two files share the name '
                    f'{stem!r} in {folder}: {files[stem]} and {rel}.')
            files[stem] = rel
        return files

    def _check_files_exist(self, raw_infos: List[dict]) -> None:
        """Raise ``FileNotFoundError`` listing missing image/depth files."""
        missing = []
        for raw in raw_infos:
            for key in ('img_path', 'depth_map_path'):
                path = raw[key]
                if path is not None and not fileio.exists(
                        path, backend_args=self.backend_args):
                    missing.append(f'{path} ({raw["source"]})')
        if missing:
            listed = '; '.join(missing[:10])
            more = f' and {len(missing) - 10} more' if len(missing) > 10 \
                else ''
            raise FileNotFoundError(
                f'{type(self).__name__}: {len(missing)} files not found: '
                f'{listed}{more}')

    def __repr__(self) -> str:
        meta = self._metainfo
        num = len(self) if self._fully_initialized else '?'
        return (f'{type(self).__name__}(ann_file={self.ann_file!r}, '
                f'data_root={self.data_root!r}, '
                f'test_mode={self.test_mode}, '
                f'depth_scale={meta["depth_scale"]}, '
                f'eval_range=({meta["min_depth_eval"]}, '
                f'{meta["max_depth_eval"]}], '
                f'crop_type={meta["crop_type"]!r}, '
                f'num_samples={num})')
