// title: Dedup (architecture): representative models
// answers: Sets rep_architecture on each model: true for one model per (cluster, task), the most downloaded;
// the view 'architecture' in `views` follows it.
// params: {rows: [{id: 'google-bert/bert-base-uncased', representative: true}]}

UNWIND $rows AS row
MATCH (m:Model:Nnstruct {id: row.id})
SET m.rep_architecture = row.representative,
    m.views = [v IN coalesce(m.views, ['none']) WHERE v <> 'architecture']
              + CASE WHEN row.representative THEN ['architecture'] ELSE [] END
