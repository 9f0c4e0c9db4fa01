-- 0005_incident_code: every incident carries its code (SPEC S-4; the IncidentCode of
-- core/common/incident_code.hpp: tamper_detected, strategy_degraded, manual, ...).
-- Like approvals.kind the set is checked by core/control, not here, so a new code never
-- needs a table rebuild.
ALTER TABLE incidents ADD COLUMN code TEXT NOT NULL DEFAULT 'unspecified';

-- Existing rows get the code they were raised with. The control plane's one safety
-- action wrote, for every incident, an audit row with target 'incident:<id>' whose
-- details name the incident and its "kind" (the code's former name; 'manual' for an
-- operator's log). Four kinds were renamed to the names SPEC gives them; the policy
-- pipeline's P1 was filed as strategy_degraded and now has its own code. A row with no
-- such audit entry keeps 'unspecified'.
UPDATE incidents SET code = COALESCE((
    SELECT CASE json_extract(audit_log.details_json, '$.kind')
             WHEN 'kill_switch' THEN 'manual_kill_switch_activated'
             WHEN 'split_brain' THEN 'split_brain_detected'
             WHEN 'hedge_latency_sla_violated' THEN 'hedge_latency_violation'
             WHEN 'all_venues_bad_for_route' THEN 'route_blocked_all_venues_bad'
             WHEN 'strategy_degraded' THEN
               CASE WHEN incidents.component = 'policy_pipeline' THEN 'policy_pipeline_degraded'
                    ELSE 'strategy_degraded' END
             ELSE json_extract(audit_log.details_json, '$.kind')
           END
      FROM audit_log
     WHERE audit_log.target = 'incident:' || incidents.id
       -- CASE, not AND: json_extract must never see a row whose details are not JSON.
       AND CASE WHEN json_valid(audit_log.details_json)
                THEN json_extract(audit_log.details_json, '$.incident_id') = incidents.id
                     AND json_type(audit_log.details_json, '$.kind') = 'text'
                ELSE 0 END
     ORDER BY audit_log.id
     LIMIT 1), 'unspecified');
