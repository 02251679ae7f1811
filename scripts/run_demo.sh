#!/usr/bin/env bash
# Serves the demo: the background-task worker and the web server side by side; Ctrl-C stops both.
set -euo pipefail
host=${1:-127.0.0.1}
port=${2:-8000}
py=.venv/bin/python

$py manage.py db_worker --queue-name '*' --no-reload &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM

echo "vanthu: http://$host:$port/  (admin: /admin/, workflow: /workflow/)"
$py manage.py runserver "$host:$port" --noreload
