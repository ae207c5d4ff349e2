-- Records stored in one dataset's table (before and after replacing, to count what a file loaded).
SELECT count(*) FROM {{stored}};
