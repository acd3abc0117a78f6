-- One row per patient with a flag in flag_referral_packet_items_missing: the name, date of birth and primary
-- care physician a drafted fax or records request identifies the child by.
-- depends_on: {{ ref('flag_referral_packet_items_missing') }}
{{ patients_of_flag('flag_referral_packet_items_missing') }}
