# docs/quickstart.md and README.md, verbatim.
from pocketdock import create_new_container

c = create_new_container()
result = c.run("echo hello")
print(result.stdout)   # "hello\n"
print(result.ok)       # True
c.shutdown()

from pocketdock import create_new_container

with create_new_container() as c:
    result = c.run("echo hello")
    print(result.stdout)
# Container is stopped and removed automatically

with create_new_container() as c:
    result = c.run("print(2 + 2)", lang="python")
    print(result.stdout)  # "4\n"

with create_new_container() as c:
    c.write_file("/home/sandbox/hello.txt", "Hello from host!")
    data = c.read_file("/home/sandbox/hello.txt")
    print(data.decode())  # "Hello from host!"

    files = c.list_files("/home/sandbox/")
    print(files)  # ["hello.txt"]
