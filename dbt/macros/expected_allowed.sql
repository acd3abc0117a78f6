{#- What a payer allows for `units` units of a line priced by int_claim_lines_priced: `full_units` of them (at
    most) at the full contracted rate, the rest at the multiple-procedure reduced rate, and where the payer pays
    the lesser of the charge and the fee schedule, no more than the charge for those units. One formula for the
    billed units (int_claim_lines_priced) and for the units a remittance paid (fct_underpayments). -#}
{% macro expected_allowed(rate, reduced_rate, full_units, units, charge, billed_units, pays_lesser_of_charge) -%}
    case
        when {{ rate }} is null then null
        when
            {{ pays_lesser_of_charge }}
            and {{ billed_units }} > 0
            and {{ charge }} * {{ units }} / {{ billed_units }}
            < {{ rate }} * least({{ full_units }}, {{ units }})
            + {{ reduced_rate }} * greatest({{ units }} - {{ full_units }}, 0)
            then round({{ charge }} * {{ units }} / {{ billed_units }}, 2)
        else
            round(
                {{ rate }} * least({{ full_units }}, {{ units }})
                + {{ reduced_rate }} * greatest({{ units }} - {{ full_units }}, 0),
                2
            )
    end
{%- endmacro %}
