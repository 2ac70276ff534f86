package evidence

import "math"

// earthRadiusM is the mean radius of the Earth (IUGG), in metres.
const earthRadiusM = 6371008.8

// DistanceM is the great-circle distance in metres between two points given in degrees (haversine).
// At the scale of a province its error against the ellipsoid is under 0.5 %, far below a phone's GPS
// error.
func DistanceM(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(a)))
}
