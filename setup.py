import os.path as osp
from setuptools import find_packages, setup


def get_version():
    scope = {}
    with open(osp.join('depth', 'version.py')) as f:
        exec(compile(f.read(), 'depth/version.py', 'exec'), scope)
    return scope['__version__']


# Pinned so that a format check gives the same answer on every machine.
LINT = ['flake8==7.5.0', 'isort==9.0.2', 'yapf==0.43.0']

setup(
    name='depth-toolbox',
    version=get_version(),
    description='Supervised monocular depth estimation toolbox '
    '(OpenMMLab 2.0 style): DepthFormer, AdaBins, LacDepth, ACAN',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    python_requires='>=3.9',
    install_requires=[
        'torch>=2.6',
        'torchvision',
        'mmengine>=0.10.0,<0.11.0',
        'mmcv-lite>=2.0.0',
        'timm>=1.0',
        'numpy',
        'opencv-python',
    ],
    extras_require={
        'tests': ['pytest>=7', 'tensorboard'] + LINT,
        'lint': LINT,
        'tensorboard': ['tensorboard'],
        # ONNX export and its onnxruntime check (onnxscript: --dynamo)
        'deploy': ['onnx', 'onnxruntime', 'onnxscript'],
    },
    zip_safe=False,
)
