"""Training taken outside the agency: submissions with certificates, reviewed by the Training Unit."""
