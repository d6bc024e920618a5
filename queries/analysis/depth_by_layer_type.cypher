// title: Depth of each layer type
// answers: At which nesting depth do modules of each layer type sit (root = 0)? Mean, minimum and maximum depth over every module of the selected models, for the $top most frequent types.
// params: {view: 'none', tasks: null, top: 30}
// render: bar x=layer_type y=mean_depth top=30 sort=none log=false title="Mean nesting depth of the 30 most frequent layer types"

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
WITH a, sum(ta.models) AS models
CALL (a) {
  MATCH (mod:Module {arch_hash: a.hash})-[:OF_TYPE]->(l:LayerType)
  RETURN l.name AS layer_type, count(*) AS n, sum(mod.depth) AS depth_sum, min(mod.depth) AS shallowest,
         max(mod.depth) AS deepest
}
WITH layer_type, sum(n * models) AS modules, sum(depth_sum * models) AS depth_total, min(shallowest) AS min_depth,
     max(deepest) AS max_depth
ORDER BY modules DESC, layer_type
LIMIT toInteger($top)
RETURN layer_type, modules, round(toFloat(depth_total) / modules, 3) AS mean_depth, min_depth, max_depth
ORDER BY mean_depth, layer_type;
