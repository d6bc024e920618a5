// title: Dedup (name): forget families no model belongs to
// answers: Deletes Family nodes left without members by a new labelling.
// params: {}

MATCH (f:Family:Nnstruct)
WHERE NOT EXISTS { (f)<-[:IN_FAMILY]-(:Model:Nnstruct) }
DETACH DELETE f
