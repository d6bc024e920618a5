// title: Where compute goes: FLOPs by part of the model, per task
// answers: How do a task's forward-pass FLOPs split between the parts of the models (embeddings, encoder, decoder, vision tower, heads, ...)?
// params: {view: 'none', tasks: null}
// render: heatmap x=part y=task value=share format=pct top=25 name=flops_by_part_heatmap title="Share of each task's forward-pass FLOPs by part of the model (attribute name under the model)"
//
// A part is a child of the model's root, or, when that child is the base model (its class ends in
// "Model"), a child of the base model: BertForSequenceClassification -> bert.encoder is "encoder", its head
// "classifier". Each distinct architecture counts once per task, with its FLOPs at its reference input.

MATCH (t:Task)-[:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE ($tasks IS NULL OR t.name IN $tasks) AND a.flops_forward > 0
WITH DISTINCT t, a
MATCH (a)-[:ROOT]->(:Module)-[:CHILD]->(top:Module)
OPTIONAL MATCH (top)-[:CHILD]->(inner:Module)
  WHERE top.class_name ENDS WITH 'Model'
WITH t, CASE WHEN inner IS NULL THEN top ELSE inner END AS part
WHERE part.flops > 0
WITH t.name AS task, part.name AS part, sum(part.flops) AS flops
WITH task, collect({part: part, flops: flops}) AS rows, sum(flops) AS total
UNWIND rows AS row
RETURN task, row.part AS part, row.flops AS flops, toFloat(row.flops) / total AS share
ORDER BY task, share DESC;
