// title: Dedup (name): family nodes
// answers: Creates or updates one Family per base name, with the rule that named it and its counts.
// params: {families: [{name: 'bert', rule: 'model_type', models: 2, tasks: 1, representatives: 1}]}

UNWIND $families AS family
MERGE (f:Family {name: family.name})
SET f:Nnstruct,
    f.rule = family.rule,
    f.models = family.models,
    f.tasks = family.tasks,
    f.representatives = family.representatives
