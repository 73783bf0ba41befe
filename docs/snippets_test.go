package docs

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSnippetsCompile builds every ```go block of the README and of the
// guides here. A block that starts with "package" is a whole file; any
// other is a fragment, compiled inside a function that sees the names
// the README takes for granted (r, auth, cfg, keys, c, ...). The files
// are handed to the go command as an overlay: nothing is written into the
// repository.
func TestSnippetsCompile(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	docs, err := filepath.Glob("*.md")
	require.NoError(t, err)
	docs = append(docs, filepath.Join("..", "README.md"))

	here, err := os.Getwd()
	require.NoError(t, err)
	overlay := map[string]string{}
	var pkgs []string
	for _, doc := range docs {
		text, err := os.ReadFile(doc)
		require.NoError(t, err)
		for i, snippet := range goBlocks(string(text)) {
			name := fmt.Sprintf("snippet_%s_%d", strings.TrimSuffix(filepath.Base(doc), ".md"), i+1)
			name = strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToLower(name))
			src, err := program(name, snippet)
			require.NoError(t, err, "%s, block %d:\n%s", doc, i+1, snippet)
			file := filepath.Join(t.TempDir(), name+".go")
			require.NoError(t, os.WriteFile(file, []byte(src), 0o644))
			overlay[filepath.Join(here, name, "snippet.go")] = file
			pkgs = append(pkgs, "./"+name)
		}
	}
	require.NotEmpty(t, pkgs, "no Go snippets found")
	ov, err := json.Marshal(map[string]any{"Replace": overlay})
	require.NoError(t, err)
	ovFile := filepath.Join(t.TempDir(), "overlay.json")
	require.NoError(t, os.WriteFile(ovFile, ov, 0o644))

	cmd := exec.Command(goBin, append([]string{"build", "-overlay", ovFile}, pkgs...)...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	t.Logf("%d snippets compile", len(pkgs))
}

var fence = regexp.MustCompile("(?ms)^```go\n(.*?)^```")

// goBlocks returns the ```go blocks of a markdown text.
func goBlocks(text string) []string {
	var blocks []string
	for _, m := range fence.FindAllStringSubmatch(text, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// program turns a snippet into a compilable file of package name.
func program(name, snippet string) (string, error) {
	if strings.HasPrefix(snippet, "package ") {
		return snippet, nil
	}
	var top, body []string
	inTop := false
	for _, line := range strings.Split(snippet, "\n") {
		// A function declared at the left margin belongs at package
		// level, up to its closing brace at the margin.
		if strings.HasPrefix(line, "func ") {
			inTop = true
		}
		if inTop {
			top = append(top, line)
			if line == "}" {
				inTop = false
			}
			continue
		}
		body = append(body, line)
	}
	src := fmt.Sprintf("package main\n\n%s\n%s\n\nfunc main() {\n%s\n}\n",
		harness, strings.Join(top, "\n"), strings.Join(body, "\n"))
	uses, err := localNames(src)
	if err != nil {
		return "", err
	}
	// Names a fragment declares may go unused in it; Go would refuse that.
	src = strings.TrimSuffix(src, "}\n")
	for _, n := range uses {
		src += "\t_ = " + n + "\n"
	}
	return src + "}\n", nil
}

// localNames lists the variables declared at the top level of main.
func localNames(src string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "snippet.go", src, 0)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != "main" {
			continue
		}
		for _, stmt := range fd.Body.List {
			switch s := stmt.(type) {
			case *ast.AssignStmt:
				if s.Tok == token.DEFINE {
					for _, l := range s.Lhs {
						if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
							names = append(names, id.Name)
						}
					}
				}
			case *ast.DeclStmt:
				if g, ok := s.Decl.(*ast.GenDecl); ok && g.Tok == token.VAR {
					for _, spec := range g.Specs {
						for _, id := range spec.(*ast.ValueSpec).Names {
							names = append(names, id.Name)
						}
					}
				}
			}
		}
	}
	return names, nil
}

// harness declares what README fragments take for granted.
const harness = `import (
	"context"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginjwt/ginjwt"
	"github.com/ginjwt/ginjwt/jwks"
	"github.com/ginjwt/ginjwt/redisstore"
	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"
)

var (
	_ = context.Background
	_ = log.Fatal
	_ = http.StatusOK
	_ = httptest.NewRequest
	_ = os.Getenv
	_ = time.Second
	_ = gin.New
	_ = ginjwt.New
	_ = jwks.New
	_ = redisstore.New
	_ = jwt.ErrTokenExpired
	_ = redis.NewClient
)

type AppClaims struct {
	ginjwt.Claims
	Role string ` + "`json:\"role\"`" + `
}

type User struct{ Name string }

type userDB struct{}

func (userDB) FindUser(ctx context.Context, id string) (*User, error) { return nil, nil }

var (
	r            = gin.New()
	auth         *ginjwt.Auth
	cfg          ginjwt.Config
	keys         []ginjwt.Key
	secret       []byte
	ctx          = context.Background()
	c            *gin.Context
	db           userDB
	loginHandler gin.HandlerFunc
	me           gin.HandlerFunc
	fixed        time.Time
)

var (
	_ = auth
	_ = cfg
	_ = keys
	_ = secret
	_ = ctx
	_ = c
	_ = db
	_ = loginHandler
	_ = me
	_ = fixed
)`
