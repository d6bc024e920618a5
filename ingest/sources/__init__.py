"""Where models to ingest come from: the hub, local folders, or the architectures transformers implements.

Every source module exposes ``candidates(options: IngestOptions, log) -> Iterator[Candidate]``.
"""
