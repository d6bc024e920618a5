"""Everything that talks to Neo4j: the connection, the schema, the writer and the local server launcher."""
