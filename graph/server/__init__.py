"""A local Neo4j Community server assembled from Maven Central artifacts (no Docker needed)."""
