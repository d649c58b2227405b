# docs/guide/files.md, verbatim (run in a directory holding local_script.py and src/).
from pocketdock import create_new_container

c = create_new_container()

# Write text
c.write_file("/home/sandbox/config.json", '{"debug": true}')

# Write binary
c.write_file("/home/sandbox/data.bin", b"\x00\x01\x02\x03")

c.run("echo results > /home/sandbox/output.txt; mkdir -p /home/sandbox/output; echo r > /home/sandbox/output/r.txt; echo a,b > /home/sandbox/results.csv")

data = c.read_file("/home/sandbox/output.txt")
print(data.decode())  # decode to string if needed

files = c.list_files("/home/sandbox/")
# ["config.json", "output.txt", "src/"]

files = c.list_files()  # Lists /home/sandbox

# Push a single file
c.push("./local_script.py", "/home/sandbox/script.py")

# Push an entire directory
c.push("./src/", "/home/sandbox/src/")

# Pull a single file
c.pull("/home/sandbox/results.csv", "./results.csv")

# Pull a directory
c.pull("/home/sandbox/output/", "./output/")

print(c.run("python3 /home/sandbox/script.py").stdout, end="")
c.shutdown()
