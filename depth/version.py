"""The version of ``depth``."""
__version__ = '0.1.0'
