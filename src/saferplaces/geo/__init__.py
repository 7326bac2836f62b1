"""Geography: LSOA vintages, areas (local authorities), wards, localities, point-in-polygon."""
