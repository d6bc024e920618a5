// title: Components: what one model is made of
// answers: The components of a model's architecture (kind, variant, identity properties, count, details).
// params: {model_id: 'transformers/bert/fill-mask'}

MATCH (:Model {id: $model_id})-[:HAS_ARCHITECTURE]->(a:Architecture)-[r:HAS_COMPONENT]->(c:Component)
RETURN c.kind AS kind, c.variant AS variant, c {.*} AS component, r {.*} AS relationship,
       a.components_version AS version
ORDER BY kind, r.count DESC, variant
