"""nnstruct: explore the structure of deep neural networks as a Neo4j graph."""

__version__ = "0.1.0"
