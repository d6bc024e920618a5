// title: Browser: a model's module tree as a graph
// answers: What does the top of a model's module tree look like? Paths from the model through its architecture to every module down to depth $depth, for Neo4j Browser's graph view (load nnstruct.grass so modules show their class name).
// params: {model: 'transformers/bert/text-classification', depth: 3}

MATCH (m:Model {id: $model})-[:HAS_ARCHITECTURE]->(a:Architecture)-[:ROOT]->(root:Module)
MATCH p = (root)-[:CHILD*0..10]->(mod:Module)
WHERE mod.depth <= toInteger($depth)
RETURN m, a, p;
