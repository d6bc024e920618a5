// title: Browser: the models of a task and their layer types
// answers: Which models does a task hold, which architectures do they build and which layer types do those use? For Neo4j Browser's graph view; $limit caps the models shown.
// params: {task: 'text-classification', limit: 10}

MATCH (t:Task {name: $task})<-[f:FOR_TASK]-(m:Model {status: 'ok'})-[h:HAS_ARCHITECTURE]->(a:Architecture)
WITH t, f, m, h, a ORDER BY m.id LIMIT toInteger($limit)
MATCH (a)-[u:USES]->(l:LayerType)
RETURN t, f, m, h, a, u, l;
