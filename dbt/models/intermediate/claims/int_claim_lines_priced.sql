-- What the payer's contract says it should allow for each submitted claim line (int_claim_lines_submitted):
-- the fee schedule in force on the date of service (a modifier's row first), the payer's assistant rate, the
-- multiple-procedure payment reduction where the payer applies it, and the lesser of the charge and the fee
-- schedule: the rules are in the macro price_claim_lines, which prices unsent visits' lines the same way.
{{ price_claim_lines(ref('int_claim_lines_submitted')) }}
