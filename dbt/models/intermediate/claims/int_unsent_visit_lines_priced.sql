-- What the payer's contract will allow for each charge line of a visit billed with no claim sent yet
-- (int_unsent_visit_lines), priced exactly as a sent line is (price_claim_lines): the value a timely-filing
-- alert puts at risk.
{{ price_claim_lines(ref('int_unsent_visit_lines')) }}
