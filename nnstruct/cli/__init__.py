"""The ``nnstruct`` command line: one module per command group, assembled in :mod:`nnstruct.cli.main`."""
