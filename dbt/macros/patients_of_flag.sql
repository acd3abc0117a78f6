{#- The name, date of birth and primary care physician of every patient a flag mart names: what a drafted fax
    or records request identifies the child by. One definition for every packet model that needs them. -#}
{% macro patients_of_flag(flag_model) %}
with

flags as (

    select distinct patient_id from {{ ref(flag_model) }}

),

patients as (

    select * from {{ ref('dim_patients') }}

),

final as (

    select
        patients.patient_id,
        patients.first_name,
        patients.last_name,
        patients.date_of_birth,
        patients.primary_care_physician_npi
    from patients
    inner join flags
        on patients.patient_id = flags.patient_id

)

select * from final
{% endmacro %}
