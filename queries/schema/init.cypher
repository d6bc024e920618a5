// title: Schema: constraints and indexes
// answers: Creates every constraint and index nnstruct relies on, and brings graphs of earlier versions up to
// date; safe to run again.
// params: {}

CREATE CONSTRAINT task_name IF NOT EXISTS FOR (t:Task) REQUIRE t.name IS UNIQUE;
CREATE CONSTRAINT model_id IF NOT EXISTS FOR (m:Model) REQUIRE m.id IS UNIQUE;
CREATE CONSTRAINT architecture_hash IF NOT EXISTS FOR (a:Architecture) REQUIRE a.hash IS UNIQUE;
CREATE CONSTRAINT layer_type_qualname IF NOT EXISTS FOR (l:LayerType) REQUIRE l.qualname IS UNIQUE;
CREATE CONSTRAINT family_key IF NOT EXISTS FOR (f:Family) REQUIRE f.name IS UNIQUE;
CREATE CONSTRAINT cluster_key IF NOT EXISTS FOR (c:Cluster) REQUIRE c.key IS UNIQUE;
CREATE CONSTRAINT component_key IF NOT EXISTS FOR (c:Component) REQUIRE c.key IS UNIQUE;
CREATE INDEX model_config_hash IF NOT EXISTS FOR (m:Model) ON (m.config_hash);
CREATE INDEX model_status IF NOT EXISTS FOR (m:Model) ON (m.status);
CREATE INDEX model_task IF NOT EXISTS FOR (m:Model) ON (m.task);
CREATE INDEX model_source IF NOT EXISTS FOR (m:Model) ON (m.source);
CREATE INDEX module_arch_hash IF NOT EXISTS FOR (m:Module) ON (m.arch_hash);
CREATE INDEX layer_type_name IF NOT EXISTS FOR (l:LayerType) ON (l.name);
CREATE INDEX architecture_class_hash IF NOT EXISTS FOR (a:Architecture) ON (a.class_hash);
// Graphs written by earlier versions: Module.uid and an index on Module.class_name cost write throughput and
// nothing used them.
DROP CONSTRAINT module_uid IF EXISTS;
DROP INDEX module_class_name IF EXISTS;
// Graphs written before the ownership label Nnstruct: adopt nodes that carry what only nnstruct writes (a Model's
// ingest provenance, an Architecture's WL settings, ...), so `db reset` and dedup still find them; anything else,
// another application's Model or Cluster included, stays untouched.
MATCH (m:Model) WHERE NOT m:Nnstruct AND m.ingested_at IS NOT NULL AND m.source IN ['hub', 'local', 'transformers']
SET m:Nnstruct;
MATCH (a:Architecture) WHERE NOT a:Nnstruct AND a.wl_iterations IS NOT NULL AND a.networkx_version IS NOT NULL
SET a:Nnstruct;
MATCH (n) WHERE (n:Task OR n:LayerType OR n:Component) AND NOT n:Nnstruct
  AND EXISTS { (n)<-[:FOR_TASK|USES|HAS_COMPONENT]-(:Nnstruct) }
SET n:Nnstruct;
MATCH (n) WHERE NOT n:Nnstruct AND ((n:Family AND n.rule IS NOT NULL) OR (n:Cluster AND n.wl_initial_labels IS NOT NULL)
  OR (n:DedupRun AND n.finished_at IS NOT NULL))
SET n:Nnstruct;
// Models stored before `views` existed: derive it from the dedup flags.
MATCH (m:Model:Nnstruct) WHERE m.views IS NULL
SET m.views = ['none'] + CASE WHEN m.rep_name THEN ['name'] ELSE [] END
              + CASE WHEN m.rep_architecture THEN ['architecture'] ELSE [] END
