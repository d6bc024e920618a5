// title: Inspect: one model and its architecture
// answers: Which model has this id, what is its status (and reason), and which stored architecture does it build?
// params: {model_id: 'transformers/bert/text-classification'}

MATCH (m:Model {id: $model_id})
OPTIONAL MATCH (m)-[:HAS_ARCHITECTURE]->(a:Architecture)
RETURN m {.*} AS model, a {.*} AS architecture
