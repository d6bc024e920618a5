// title: Dedup (architecture): forget clusters no architecture belongs to
// answers: Deletes Cluster nodes left without members by a new labelling (another threshold or label).
// params: {}

MATCH (c:Cluster:Nnstruct)
WHERE NOT EXISTS { (c)<-[:IN_CLUSTER]-(:Architecture:Nnstruct) }
DETACH DELETE c
