"""Outside training: members submit certificates; the Training Unit reviews them."""
