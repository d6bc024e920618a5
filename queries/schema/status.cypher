// title: Server and graph status
// answers: Which Neo4j version answers, and how many nodes and relationships of each kind nnstruct stored?
// params: {}

CALL dbms.components() YIELD name, versions, edition
WITH name, versions[0] AS version, edition
CALL {
  MATCH (n) RETURN count(n) AS nodes
}
CALL {
  MATCH ()-[r]->() RETURN count(r) AS relationships
}
CALL {
  MATCH (m:Model) RETURN count(m) AS models
}
CALL {
  MATCH (a:Architecture) RETURN count(a) AS architectures
}
CALL {
  MATCH (m:Module) RETURN count(m) AS modules
}
RETURN name, version, edition, nodes, relationships, models, architectures, modules
