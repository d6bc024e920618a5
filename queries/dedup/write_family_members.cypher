// title: Dedup (name): family membership
// answers: Puts each model in its family (moving it out of any other) and sets its representative flag (and the
// view 'name' in `views`).
// params: {rows: [{id: 'google-bert/bert-base-uncased', family: 'bert', representative: true}]}

UNWIND $rows AS row
MATCH (m:Model:Nnstruct {id: row.id})
SET m.family = row.family, m.rep_name = row.representative,
    m.views = [v IN coalesce(m.views, ['none']) WHERE v <> 'name'] + CASE WHEN row.representative THEN ['name'] ELSE [] END
WITH m, row
OPTIONAL MATCH (m)-[old:IN_FAMILY]->(other:Family)
  WHERE other.name <> row.family
DELETE old
WITH DISTINCT m, row
MATCH (f:Family:Nnstruct {name: row.family})
MERGE (m)-[r:IN_FAMILY]->(f)
SET r.representative = row.representative
