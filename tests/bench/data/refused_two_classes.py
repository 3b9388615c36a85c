from locust import HttpUser, task, between


class Reader(HttpUser):
    wait_time = between(1, 3)

    @task
    def get_orders(self):
        self.client.get("/orders")


class Writer(HttpUser):
    @task
    def create_order(self):
        self.client.post("/orders", json={})
