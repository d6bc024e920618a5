// title: Layer type catalogue
// answers: Every layer type (qualified class) the selected models use: its Python module, whether torch.nn defines it, how many distinct architectures and models use it and how many modules it accounts for.
// params: {view: 'none', tasks: null}
// render: table rows=40

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
WITH a, sum(ta.models) AS models
MATCH (a)-[u:USES]->(l:LayerType)
RETURN l.name AS layer_type, l.qualname AS qualname, l.module AS module, l.is_torch AS is_torch,
       count(a) AS architectures, sum(models) AS models, sum(u.modules * models) AS modules
ORDER BY modules DESC, qualname;
