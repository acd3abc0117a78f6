-- One row per patient with a flag in flag_plan_of_care_followups: the name, date of birth and primary care
-- physician a drafted signature request identifies the child by.
-- depends_on: {{ ref('flag_plan_of_care_followups') }}
{{ patients_of_flag('flag_plan_of_care_followups') }}
