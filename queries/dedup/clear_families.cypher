// title: Dedup (name): forget families no model belongs to
// answers: Deletes Family nodes left without members by a new labelling.
// params: {}

MATCH (f:Family)
WHERE NOT EXISTS { (f)<-[:IN_FAMILY]-(:Model) }
DETACH DELETE f
