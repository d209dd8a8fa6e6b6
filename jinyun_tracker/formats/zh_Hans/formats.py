"""Chinese numbers as the county's statistics write them: a comma every three digits
(124,800.00), where Django's Chinese formats group by four without a separator."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
