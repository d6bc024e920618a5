"""Cost of a model from its real module tree: FLOPs per module (a forward pass on the meta device under PyTorch's
``FlopCounterMode``, or analytic counts), weight memory, KV cache per token and state per sequence.

``nnstruct.cost.compute`` needs torch and a built model (ingest's build worker calls it); ``nnstruct.cost.sizing``
works from the stored figures only (the ``cost`` command). Nothing here imports the CLI.
"""
