-- Migration 7: none (its number was reserved for work that needed no table).

SELECT 1;
