"""canbao (参保): the universal social insurance registration data exchange platform."""

__version__ = "0.1.0"
