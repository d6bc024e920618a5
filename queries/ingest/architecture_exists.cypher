// title: Ingest: is this architecture stored?
// answers: Does an Architecture with this hash exist (then its modules are complete: they land in one transaction)?
// params: {hash: ''}

OPTIONAL MATCH (a:Architecture {hash: $hash})
RETURN a IS NOT NULL AS exists
