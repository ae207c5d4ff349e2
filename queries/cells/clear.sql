DELETE FROM {{cells}};
