// title: Components: delete components no architecture has
// answers: Removes Component nodes left without HAS_COMPONENT (after a re-detection or deleted trees).
// params: {}

MATCH (c:Component:Nnstruct)
WHERE NOT EXISTS { ()-[:HAS_COMPONENT]->(c) }
DETACH DELETE c
RETURN count(c) AS components
