package reports

// CheckGolden lets the external tests (package reports_test, which may
// import packages that import reports) use the golden files.
var CheckGolden = checkGolden
