from locust import HttpUser, task, between


class MyUser(HttpUser):
    wait_time = between(1, 3)

    @task
    def get_orders(self):
        self.client.get("/orders")

    def on_stop(self):
        self.client.get("/logout")
