"""Offline geocoding of Chicago street addresses and cross streets typed by residents.

``place_locate("pothole on 35th and Halsted")`` gives a WGS84 point, a tidy label and the community area,
or None when the text cannot be placed with confidence (a false None is preferred to a wrong point) or
the point is outside Chicago's 77 community areas (a point on a border street's centre line counts as in).

Data: ``data/chicago_intersections.csv``, the city's 24,048 named street intersections (see data/SOURCES.md),
read once per process. Street names are kept as the city writes them ("S HALSTED ST") and indexed by a key
without direction, type or spaces ("HALSTED", "35TH", "LASALLE"), so "halsted", "S Halsted St" and "La Salle"
meet on the same street.

Cross streets ("35th & Halsted"): the intersection of the two keys, filtered by any direction given ("S
Halsted"), preferring the street types given ("Halsted St" over "Halsted Pkwy") and ordinary types. Two
candidate corners more than 250 m apart with nothing to choose between them give None.

House numbers ("3500 S Halsted"): Chicago's grid counts from State St (east-west 0) and Madison St
(north-south 0), about 800 numbers a mile, irregular downtown. The street's direction says which axis the
number runs on: N/S numbers fix a latitude, E/W numbers a longitude.

1. Grid lines of known number: the numbered streets (W 35TH ST = 3500 S) and a table of named streets
   (Madison 0, North Ave 1600 N, Halsted 800 W, Pulaski 4000 W...). The grid drifts across the city (N and S
   Halsted are ~250 m apart in longitude), so the scale grid -> latitude is fitted in bands of longitude, and
   grid -> longitude in bands of latitude (~2 km apart, 3 km reach): in each band, the piecewise-linear curve
   through each grid line's median position there (lines out of order, e.g. the diagonal stretch of Grand
   Ave, are dropped: longest increasing subsequence); between bands the scales are blended linearly.
2. Each street keeps its own corrections: at its intersections with grid lines, the difference between the
   true position and the scale. Corrections over 200 m, or ~90 m off their neighbours' (a diagonal stretch,
   a same-named stub), are dropped. The target's coordinate is the scale plus the correction interpolated
   between the street's nearest grid intersections (the nearest one's beyond them).
3. The other coordinate is interpolated along the street's own intersections (so diagonals such as Clark,
   Milwaukee or Archer follow their real course). A number beyond the street's ends (150 m slack) gives None,
   and so does a number without direction on a street that has both (3500 N and 3500 S Halsted).

Checked by leaving each of the ~25,600 grid intersections out in turn and placing its number on the street:
median error 4 m (N/S numbers) and 7 m (E/W numbers), 99th percentile ~70 m, none over 200 m. Off the grid
lines the error grows with how straight the street is between its intersections.

Text: accents, case and punctuation are dropped; separators are and, &, /, @, +, at, y, con, entre, between;
street words (st, ave, calle, avenida...) and directions (N, south, norte...) in English and Spanish;
"35", "35th", "35 st" are 35th Street; misspellings ("halstead") are matched with difflib when the match is
clear. A location is looked for anywhere in a longer message; two different places in one message (over
200 m apart) give None, and when an address and cross streets agree the address is kept.

The parts: ``locate`` (place_locate and the community area), ``street_text`` (reading the text),
``resolving`` (addresses, cross streets and the one place they agree on), ``intersections`` (the index of
the city's intersections), ``address_grid`` (house numbers to points), ``grid_lines`` (the streets at known
numbers), ``streets`` (street names and types) and ``measures`` (distances and interpolation).
"""

from civicloop.places.geocoding.intersections import INTERSECTIONS_FILE
from civicloop.places.geocoding.locate import LocatedPlace, _place_find, place_locate

__all__ = ["INTERSECTIONS_FILE", "LocatedPlace", "_place_find", "place_locate"]
