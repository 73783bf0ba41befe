module github.com/ginjwt/ginjwt/docs

go 1.25.0

require github.com/stretchr/testify v1.12.1

require go.yaml.in/yaml/v3 v3.0.5 // indirect

replace (
	github.com/ginjwt/ginjwt => ../
	github.com/ginjwt/ginjwt/jwks => ../jwks
	github.com/ginjwt/ginjwt/redisstore => ../redisstore
)
