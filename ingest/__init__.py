"""Stage 1: list models (hub, local folders, transformers' own catalogue), build them on the meta device and
write their module hierarchies into Neo4j."""
